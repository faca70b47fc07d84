"""Full-text search of the directory: the Whoosh index, its documents and its upkeep."""
