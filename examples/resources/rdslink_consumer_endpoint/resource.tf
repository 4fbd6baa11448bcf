# In the consumer account: the producer's "orders" database, reachable from this VPC under its own
# hostname. Clients keep connecting to orders.cluster-c9abcdefghij.eu-west-1.rds.amazonaws.com, so
# `sslmode=verify-full` and IAM database authentication keep working.
resource "rdslink_consumer_endpoint" "orders" {
  service_name      = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"
  database_hostname = "orders.cluster-c9abcdefghij.eu-west-1.rds.amazonaws.com"
  port              = 5432

  vpc_id     = "vpc-0fedcba9876543210"
  subnet_ids = ["subnet-0eee5555ffff66667", "subnet-0888777766665555a"]

  # Only these clients reach the port; nothing is open by default.
  allowed_cidr_blocks        = ["10.20.0.0/16"]
  allowed_security_group_ids = ["sg-0123456789abcdef0"]

  # An extra private name, for clients that do not need the RDS certificate's name.
  dns_name = "orders.db.internal"

  tags = {
    team = "payments"
  }
}

# A producer in another region (it lists this provider's region in `supported_regions`).
resource "rdslink_consumer_endpoint" "reports" {
  service_name   = "com.amazonaws.vpce.us-east-1.vpce-svc-0abcdef0123456789"
  service_region = "us-east-1"
  port           = 5432

  vpc_id              = "vpc-0fedcba9876543210"
  subnet_ids          = ["subnet-0eee5555ffff66667", "subnet-0888777766665555a"]
  allowed_cidr_blocks = ["10.20.0.0/16"]
}
