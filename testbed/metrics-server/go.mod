module nimbus.dev/testbed/metrics-server

go 1.25.0

tool sigs.k8s.io/metrics-server

require sigs.k8s.io/metrics-server v0.8.0 // indirect
