//! Applying manifests to a cluster (being written).
