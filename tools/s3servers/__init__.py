"""Start and stop local S3 servers (Ceph radosgw, moto) as plain processes for tests and benchmarks."""
