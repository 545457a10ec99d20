"""CS236 HW2: variational autoencoders (VAE, GMVAE, IWAE, SSVAE) on binarized MNIST."""
