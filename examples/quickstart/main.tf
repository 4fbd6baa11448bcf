# rdslink quickstart: which IPs should a load balancer target for the "orders" database right now?
#
# `make demo` applies this against the local AWS emulator (moto) and a loopback DNS server, then fails
# the cluster over and shows the answer change. Against real AWS, drop the three emulator variables.

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

data "rdslink_database" "orders" {
  db_cluster_identifier = var.db_cluster_identifier
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
