terraform {
  # 1.9: a variable's validation may name other variables.
  required_version = ">= 1.9"

  required_providers {
    # Provider 6 only arguments are not used, so 5.x (the CI mirror holds 5.100.0) and 6.x both work.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }
}
