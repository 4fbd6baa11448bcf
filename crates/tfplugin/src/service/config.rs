//! Configuration RPCs: ValidateProviderConfig, ValidateResourceConfig,
//! ValidateDataResourceConfig (the schema's generic validate step, then the implementation's
//! own checks) and ConfigureProvider.

use super::ProviderService;
use super::support::{decode, stopped, traced};
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;
use crate::provider::Provider;
use crate::validate::validate_config;
use crate::wire;

impl<P: Provider> ProviderService<P> {
    pub(super) async fn handle_validate_provider_config(
        &self,
        request: pb::validate_provider_config::Request,
    ) -> pb::validate_provider_config::Response {
        let diags = traced("ValidateProviderConfig", "", async {
            let mut diags = Diagnostics::new();
            let ty = &self.catalog.provider_type;
            if let Some(config) = decode(
                request.config.as_ref(),
                ty,
                "provider configuration",
                &mut diags,
            ) {
                validate_config(&self.catalog.provider_schema, &config, &mut diags);
                self.provider.validate_config(&config, &mut diags);
            }
            diags
        })
        .await;
        pb::validate_provider_config::Response {
            diagnostics: wire::diagnostics(diags),
        }
    }

    pub(super) async fn handle_validate_resource_config(
        &self,
        request: pb::validate_resource_config::Request,
    ) -> pb::validate_resource_config::Response {
        let diags = traced("ValidateResourceConfig", &request.type_name, async {
            let mut diags = Diagnostics::new();
            if let Some(entry) = self.resource(&request.type_name, &mut diags)
                && let Some(config) = decode(
                    request.config.as_ref(),
                    &entry.ty,
                    "configuration",
                    &mut diags,
                )
            {
                validate_config(&entry.schema, &config, &mut diags);
                entry.handler.validate_config(&config, &mut diags);
            }
            diags
        })
        .await;
        pb::validate_resource_config::Response {
            diagnostics: wire::diagnostics(diags),
        }
    }

    pub(super) async fn handle_validate_data_resource_config(
        &self,
        request: pb::validate_data_resource_config::Request,
    ) -> pb::validate_data_resource_config::Response {
        let diags = traced("ValidateDataResourceConfig", &request.type_name, async {
            let mut diags = Diagnostics::new();
            if let Some(entry) = self.data_source(&request.type_name, &mut diags)
                && let Some(config) = decode(
                    request.config.as_ref(),
                    &entry.ty,
                    "configuration",
                    &mut diags,
                )
            {
                validate_config(&entry.schema, &config, &mut diags);
                entry.handler.validate_config(&config, &mut diags);
            }
            diags
        })
        .await;
        pb::validate_data_resource_config::Response {
            diagnostics: wire::diagnostics(diags),
        }
    }

    pub(super) async fn handle_configure_provider(
        &self,
        request: pb::configure_provider::Request,
    ) -> pb::configure_provider::Response {
        let diags = traced("ConfigureProvider", "", async {
            let mut diags = Diagnostics::new();
            let ty = &self.catalog.provider_type;
            let Some(config) = decode(
                request.config.as_ref(),
                ty,
                "provider configuration",
                &mut diags,
            ) else {
                return diags;
            };
            let ctx = self.context();
            let finished = self
                .unless_stopped(self.provider.configure(&config, &ctx, &mut diags))
                .await;
            if finished.is_none() {
                diags.push(stopped("Configuring the provider"));
            }
            diags
        })
        .await;
        pb::configure_provider::Response {
            diagnostics: wire::diagnostics(diags),
        }
    }
}
