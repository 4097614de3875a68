// swift-bert — Tokenization.
