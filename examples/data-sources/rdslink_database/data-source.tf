# The IPs a load balancer should target for the writer of an Aurora cluster, right now.
data "rdslink_database" "orders" {
  db_cluster_identifier = "orders"
  role                  = "writer"
}

# A single instance: its endpoint's A records.
data "rdslink_database" "billing" {
  db_instance_identifier = "billing"
}

output "orders_targets" {
  value = data.rdslink_database.orders.target_ips
}
