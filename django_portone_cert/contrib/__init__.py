"""Glue for other packages, each imported only by projects that use that package."""
