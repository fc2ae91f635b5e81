"""Store devices behind small interfaces, each with a fake that takes the same code path."""
