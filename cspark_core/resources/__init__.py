"""One module per Spark API area: pure request builders, a sync class and its async twin."""
