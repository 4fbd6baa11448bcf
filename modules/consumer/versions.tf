terraform {
  required_version = ">= 1.5"
  required_providers {
    rdslink = {
      source  = "rdslink/rdslink"
      version = ">= 0.1.0"
    }
  }
}
