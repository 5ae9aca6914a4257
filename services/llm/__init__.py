"""Model backends behind one small interface (ChatModel), and the embedded llama.cpp server."""
