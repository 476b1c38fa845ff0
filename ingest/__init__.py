"""Reading OCDS publications into the graph: streaming readers, mapping and loading."""
