# rdslink quickstart: the writer of the "orders" Aurora cluster, shared with another account through
# AWS PrivateLink (an internal Network Load Balancer, an IP target group kept on the current writer,
# and a VPC endpoint service).
#
# `make demo` applies this against the local AWS emulator (moto) and a loopback DNS server, then fails
# the cluster over and shows the plan move the target to the new writer. Against real AWS, leave the
# three emulator variables unset and give the VPC, its subnets and the consumer accounts:
#
#   terraform apply -var vpc_id=vpc-... -var 'subnet_ids=["subnet-...","subnet-..."]'

terraform {
  required_providers {
    rdslink = {
      source = "rdslink/rdslink"
    }
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "endpoint_url" {
  description = "Every AWS API at one URL (the local emulator); null for real AWS."
  type        = string
  default     = null
}

variable "dns_nameservers" {
  description = "Resolve database endpoints here instead of the system resolver (ip:port)."
  type        = list(string)
  default     = null
}

variable "role_arn" {
  description = "Role to assume (another account); null to use the ambient credentials."
  type        = string
  default     = null
}

variable "db_cluster_identifier" {
  type    = string
  default = "orders"
}

variable "vpc_id" {
  description = "The database's VPC: the load balancer and the target group go there."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of that VPC for the load balancer, one per availability zone."
  type        = list(string)
}

variable "consumer_account_ids" {
  description = "AWS accounts allowed to create endpoints to the database."
  type        = list(string)
  default     = ["222222222222"]
}

provider "rdslink" {
  region          = var.region
  endpoint_url    = var.endpoint_url
  dns_nameservers = var.dns_nameservers

  dynamic "assume_role" {
    for_each = var.role_arn == null ? [] : [var.role_arn]
    content {
      role_arn     = assume_role.value
      session_name = "rdslink-quickstart"
    }
  }
}

# Which addresses should be targeted right now? (The resource below computes the same itself.)
data "rdslink_database" "orders" {
  db_cluster_identifier = var.db_cluster_identifier
}

resource "rdslink_endpoint_service" "orders" {
  name                  = "orders"
  db_cluster_identifier = var.db_cluster_identifier

  vpc_id     = var.vpc_id
  subnet_ids = var.subnet_ids

  allowed_principals = [for id in var.consumer_account_ids : "arn:aws:iam::${id}:root"]

  tags = {
    example = "rdslink-quickstart"
  }
}

output "writer_instance_identifier" {
  value = data.rdslink_database.orders.writer_instance_identifier
}

output "target_ips" {
  value = data.rdslink_database.orders.target_ips
}

output "endpoint" {
  value = data.rdslink_database.orders.endpoint
}

output "port" {
  value = data.rdslink_database.orders.port
}

# What a consumer account puts in its `aws_vpc_endpoint`'s `service_name`.
output "service_name" {
  value = rdslink_endpoint_service.orders.service_name
}

output "registered_targets" {
  value = rdslink_endpoint_service.orders.registered_targets
}

output "target_group_arn" {
  value = rdslink_endpoint_service.orders.target_group_arn
}
