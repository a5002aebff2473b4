"""The client matrix: the clients people use (openai-python, openai-node, Genkit compat-oai, ModelFusion) as judges.

Each client runs fixed scenarios against the target through a local proxy (conformance/clients/proxy.py), so its
exchanges are recorded and replayed like every check's; each cell says works, breaks (with the client's own
exception or the wrong value), unsupported, not offered, untested or error.
"""
