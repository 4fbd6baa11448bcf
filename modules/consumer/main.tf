resource "rdslink_consumer_endpoint" "this" {
  service_name               = var.service_name
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.subnet_ids
  port                       = var.port
  allowed_cidr_blocks        = var.allowed_cidr_blocks
  allowed_security_group_ids = var.allowed_security_group_ids
  database_hostname          = var.database_hostname
  dns_name                   = var.dns_name
  service_region             = var.service_region
  tags                       = var.tags
}
