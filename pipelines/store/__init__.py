"""The store of published versions: the output directory's layout and lock (`layout`), the
input state and run plan (`inputs`), and building the next version (`build`)."""
