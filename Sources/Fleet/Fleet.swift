enum FleetModule {}
