// swift-bert — Datasets.
