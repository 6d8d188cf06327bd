// placeholder for the dependency build; replaced below
