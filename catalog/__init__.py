"""The astrobench domain: STAC records, version rules, the benchmark extension, the store and storage."""
