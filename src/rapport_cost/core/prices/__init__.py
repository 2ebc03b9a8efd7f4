"""P = p(Θ): the price of one unit of every cost driver (staff build-up as PSSRU does it)."""
