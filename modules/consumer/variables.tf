variable "service_name" {
  description = "The producer's endpoint service name (the producer module's `service_name` output)."
  type        = string
}

variable "database_hostname" {
  description = "The database's own hostname (the producer module's `database_hostname` output). Answered privately in the VPC with the endpoint's addresses, so TLS verification (verify-full) keeps working. Null: no private zone for it."
  type        = string
  default     = null
}

variable "port" {
  description = "The database port (the producer module's `port` output)."
  type        = number
}

variable "vpc_id" {
  description = "The consumer VPC."
  type        = string
}

variable "subnet_ids" {
  description = "One subnet per availability zone, in the VPC."
  type        = set(string)
}

variable "allowed_cidr_blocks" {
  description = "Client networks allowed to reach the database. Nothing is open by default."
  type        = set(string)
  default     = null
}

variable "allowed_security_group_ids" {
  description = "Client security groups allowed to reach the database."
  type        = set(string)
  default     = null
}

variable "dns_name" {
  description = "An extra private name for the database, e.g. \"orders.db.internal\"."
  type        = string
  default     = null
}

variable "service_region" {
  description = "The producer's region, for cross-region PrivateLink; null: this provider's region."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every part."
  type        = map(string)
  default     = null
}
