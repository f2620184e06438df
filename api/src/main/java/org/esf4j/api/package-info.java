/**
 * The esf4j event API: probe the host with {@link org.esf4j.api.EndpointSecurity#probe()},
 * open a {@link org.esf4j.api.Client} with a {@link org.esf4j.api.ClientConfig}, receive
 * {@link org.esf4j.api.SecurityEvent}s and answer {@link org.esf4j.api.AuthorizationRequest}s.
 *
 * @since 0.1
 */
package org.esf4j.api;
