# An endpoint service is imported by its id, with the load balancer, listener and target group it is
# wired to (rdslink or a hand-built stack alike).
terraform import rdslink_endpoint_service.orders vpce-svc-0123456789abcdef0
