"""ccjk's business rules, plain Python: no event objects, no boto3 (store/ does every AWS call, providers/ every
outside call)."""
