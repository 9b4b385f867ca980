"""skygate integration-test library.

topo      -- namespaces, veth links, daemons, and a Topology that tears it all down
jsonmatch -- subset matching of JSON output and polling with a deadline
peers     -- FRR and BIRD 2 as reference BGP peers (start, configure, query)
"""
