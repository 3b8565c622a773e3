"""classworks: ClassworksKV, key-value storage for classroom devices, with apps and app tokens."""
