// swift-bert — Checkpoints.
