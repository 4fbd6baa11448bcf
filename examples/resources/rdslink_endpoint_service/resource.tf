# The writer of Aurora cluster "orders", reachable from two consumer accounts through PrivateLink.
#
# After a failover, `terraform plan` shows this resource updating in place, with
# `registered_targets` and `database_addresses` "(known after apply)" and the warning
# "The database's primary moved: The target group holds 10.0.1.5, the database answers 10.0.2.7; ...".
# `terraform apply` (even of a plan saved before the failover) moves the target group onto the
# primary of the moment it runs: the new address is registered before the old one leaves.
resource "rdslink_endpoint_service" "orders" {
  name                  = "orders"
  db_cluster_identifier = "orders"

  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0aaa1111bbbb22223", "subnet-0ccc3333dddd44445"]

  allowed_principals = [
    "arn:aws:iam::222222222222:root",
    "arn:aws:iam::333333333333:role/reporting",
  ]

  tags = {
    team = "data"
  }
}

# A consumer account creates an interface endpoint to this name.
output "orders_service_name" {
  value = rdslink_endpoint_service.orders.service_name
}

# The readers of a cluster, on an explicit port, with slower health checks; every connection must
# be accepted by the owner.
resource "rdslink_endpoint_service" "reports" {
  name                  = "reports"
  db_cluster_identifier = "orders"
  role                  = "reader"
  port                  = 5432

  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0aaa1111bbbb22223", "subnet-0ccc3333dddd44445"]

  allowed_principals  = ["*"]
  acceptance_required = true

  health_check {
    interval_seconds    = 30
    healthy_threshold   = 3
    unhealthy_threshold = 3
  }
}
