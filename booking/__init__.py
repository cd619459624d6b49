"""The domain both doors share: settings, services, errors, scheduler and the command line."""
