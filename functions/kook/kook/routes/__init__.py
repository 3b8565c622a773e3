"""One module per endpoint group of the kook spec, each exposing `router`; `common.py` for request helpers; and the
adapters of the functions without HTTP routes (ingest, senders, live, maintenance): an event or record in, a
logic call out."""
