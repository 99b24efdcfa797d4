"""The offline demo: a replay of the official sites, its corpus, and a mail sink.

The only product code that uses the replay site and the corpus; tests use them too.
"""
