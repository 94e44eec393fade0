"""Where the graph lives: the Store interface and the local pyoxigraph store (`local`), and
SPARQL 1.1 servers (`remote`)."""
