output "endpoint_id" {
  description = "The interface endpoint's id (vpce-...): what the producer accepts with rdslink_endpoint_connection when acceptance is required."
  value       = rdslink_consumer_endpoint.this.id
}

output "state" {
  description = "available, or pendingAcceptance until the producer accepts the connection."
  value       = rdslink_consumer_endpoint.this.state
}

output "hostname" {
  description = "The name clients connect to: the database's own hostname when given, else the extra name, else the endpoint's regional DNS name."
  value = coalesce(
    var.database_hostname,
    var.dns_name,
    rdslink_consumer_endpoint.this.dns_entries[0],
  )
}

output "security_group_id" {
  description = "The endpoint's security group."
  value       = rdslink_consumer_endpoint.this.security_group_id
}

output "dns_entries" {
  description = "The endpoint's own DNS names, the regional one first."
  value       = rdslink_consumer_endpoint.this.dns_entries
}
