resource "rdslink_endpoint_service" "this" {
  name                   = var.name
  db_cluster_identifier  = var.db_cluster_identifier
  db_instance_identifier = var.db_instance_identifier
  db_proxy_name          = var.db_proxy_name
  vpc_id                 = var.vpc_id
  subnet_ids             = var.subnet_ids
  allowed_principals     = var.allowed_principals
  acceptance_required    = var.acceptance_required
  tags                   = var.tags
}
