//! terraform-provider-rdslink
