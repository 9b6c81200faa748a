module falcoshark.dev/lab/demo

go 1.24.0
