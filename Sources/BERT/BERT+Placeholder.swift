// swift-bert — BERT.
