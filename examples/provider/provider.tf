provider "rdslink" {
  region  = "eu-west-1"
  profile = "db-admin"

  # Reach the database's account from wherever Terraform runs.
  assume_role {
    role_arn     = "arn:aws:iam::111111111111:role/rdslink"
    session_name = "terraform"
  }

  default_tags = {
    team = "db"
  }
}
