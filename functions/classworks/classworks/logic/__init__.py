"""classworks' service logic: plain Python in, plain Python out (no events, no responses), ApiErrors raised."""
