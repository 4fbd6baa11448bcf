# In the producer account: accept a consumer's endpoint to a service with
# `acceptance_required = true`. Destroying this resource rejects the connection.
resource "rdslink_endpoint_connection" "payments" {
  service_id      = rdslink_endpoint_service.reports.id
  vpc_endpoint_id = "vpce-0123456789abcdef0" # from the consumer team, or the service's `connections`
}
