from pipelines.tag_articles import main

main()
