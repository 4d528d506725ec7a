"""Where records enter and leave the graph: raw files in (`read.ReadRawFiles`), the published
version's articles back in (`published.ReadPublishedArticles`), datasets out
(`write.WriteDataset`, files named by their rows)."""
