variable "region" {
  description = "AWS region of the directors."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name prefix."
  type        = string
  default     = "vigil"
}

variable "vpc_id" {
  description = "VPC of the directors."
  type        = string
  default     = "vpc-0123456789abcdef0"
}

variable "subnet_ids" {
  description = "Director id => subnet its network interface lives in (two availability zones: an Elastic IP moves between zones)."
  type        = map(string)
  default = {
    lb1 = "subnet-0123456789abcdef0"
    lb2 = "subnet-0fedcba9876543210"
  }
}

variable "image_id" {
  description = "Debian 12 AMI for the directors."
  type        = string
  default     = "ami-0123456789abcdef0"
}

variable "vigil_package_url" {
  description = "HTTPS URL of the Vigil .deb."
  type        = string
  default     = "https://downloads.example.com/vigil_0.1.0_amd64.deb"
}

variable "vigil_package_sha256" {
  description = "SHA-256 of that .deb (sha256sum dist/vigil_*.deb)."
  type        = string
  default     = "0000000000000000000000000000000000000000000000000000000000000000"
}

variable "board_url" {
  description = "The Board's base URL (the edge module's api_url)."
  type        = string
  default     = "https://vigil.example.workers.dev"
}

variable "cluster" {
  description = "The cluster name on the Board."
  type        = string
  default     = "web"
}

variable "board_public_key" {
  description = "The Board's public key JSON (curl -fsS BOARD/v1/keys)."
  type        = string
  default     = "{\"keys\":[]}"
}

variable "metrics_cidr_blocks" {
  description = "Prometheus servers that scrape the shims."
  type        = list(string)
  default     = ["10.0.0.0/16"]
}
