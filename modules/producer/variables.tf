variable "name" {
  description = "Names every part (load balancer, target group, sync Lambda); unique per account and region."
  type        = string
}

variable "db_cluster_identifier" {
  description = "An Aurora or Multi-AZ DB cluster to share (its writer). Set exactly one of the database variables."
  type        = string
  default     = null
}

variable "db_instance_identifier" {
  description = "A DB instance to share."
  type        = string
  default     = null
}

variable "db_proxy_name" {
  description = "An RDS Proxy to share."
  type        = string
  default     = null
}

variable "vpc_id" {
  description = "The database's VPC."
  type        = string
}

variable "subnet_ids" {
  description = "The load balancer's subnets, one per availability zone."
  type        = set(string)
}

variable "allowed_principals" {
  description = "The consumer accounts (arn:aws:iam::ACCOUNT:root) or roles allowed to connect."
  type        = set(string)
}

variable "acceptance_required" {
  description = "Whether each consumer's connection must be accepted (with rdslink_endpoint_connection)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every part."
  type        = map(string)
  default     = null
}
