# What a consumer team needs: hand these to them (their `modules/consumer` takes the same names).

output "service_name" {
  description = "The endpoint service name consumers create their endpoint to."
  value       = rdslink_endpoint_service.this.service_name
}

output "service_id" {
  description = "The endpoint service id (vpce-svc-...), for rdslink_endpoint_connection."
  value       = rdslink_endpoint_service.this.id
}

output "database_hostname" {
  description = "The database's own hostname: consumers answer it privately so TLS verification keeps working."
  value       = rdslink_endpoint_service.this.endpoint
}

output "port" {
  description = "The database port."
  value       = rdslink_endpoint_service.this.port
}

output "connections" {
  description = "The consumers' endpoints connected to the service as of the last refresh (id, owner account, state)."
  value       = rdslink_endpoint_service.this.connections
}
