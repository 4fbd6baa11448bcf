# In the producer account: accept a consumer's endpoint to a service with
# `acceptance_required = true`. Destroying this resource rejects the connection.
resource "rdslink_endpoint_connection" "payments" {
  service_id      = "vpce-svc-0abcdef0123456789" # rdslink_endpoint_service.reports.id in the same configuration
  vpc_endpoint_id = "vpce-0123456789abcdef0" # from the consumer team, or the service's `connections`
}
