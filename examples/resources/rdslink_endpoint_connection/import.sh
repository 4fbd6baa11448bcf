# An accepted connection is imported by `<service_id>/<vpc_endpoint_id>`.
terraform import rdslink_endpoint_connection.payments vpce-svc-0123456789abcdef0/vpce-0123456789abcdef0
