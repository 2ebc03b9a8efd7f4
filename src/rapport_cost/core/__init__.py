"""Pure numerics: no file access, no rendering."""
