// swift-bert — Training.
