<?xml version="1.0" encoding="UTF-8"?>
<!-- Linked by xslt/gen/link.xsl from domcompat's sources; do not edit. -->
<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:dc="urn:domcompat:rules" version="1.0">
  <out:variable xmlns:out="http://www.w3.org/1999/XSL/Transform" name="dc:kinds" select="'|pci-root|pcie-root|pci-bridge|dmi-to-pci-bridge|pcie-root-port|pcie-switch-upstream-port|pcie-switch-downstream-port|pci-expander-bus|pcie-expander-bus|pcie-to-pci-bridge|'"/><out:variable xmlns:out="http://www.w3.org/1999/XSL/Transform" name="dc:root-kinds" select="'|pci-root|pcie-root|'"/><out:variable xmlns:out="http://www.w3.org/1999/XSL/Transform" name="dc:implementations" select="'|pci-root=spapr-pci-host-bridge|pci-bridge=pci-bridge|dmi-to-pci-bridge=i82801b11-bridge|pcie-root-port=ioh3420|pcie-root-port=pcie-root-port|pcie-switch-upstream-port=x3130-upstream|pcie-switch-downstream-port=xio3130-downstream|pci-expander-bus=pxb|pcie-expander-bus=pxb-pcie|pcie-to-pci-bridge=pcie-pci-bridge|'"/><out:variable xmlns:out="http://www.w3.org/1999/XSL/Transform" name="dc:implied" select="'|pci-bridge=pci-bridge|dmi-to-pci-bridge=i82801b11-bridge|pcie-root-port=ioh3420|pcie-switch-upstream-port=x3130-upstream|pcie-switch-downstream-port=xio3130-downstream|pci-expander-bus=pxb|pcie-expander-bus=pxb-pcie|pcie-to-pci-bridge=pcie-pci-bridge|'"/><out:variable xmlns:out="http://www.w3.org/1999/XSL/Transform" name="dc:implied-pseries" select="'|pci-root=spapr-pci-host-bridge|'"/>
  <xsl:param name="assume" select="''"/><xsl:variable name="dc:os-type" select="/domain/os/type"/><xsl:variable name="dc:guest-pseries">
    <xsl:choose>
      <xsl:when test="$dc:os-type/@arch and not(starts-with($dc:os-type/@arch, 'ppc64'))">no</xsl:when>
      <xsl:when test="starts-with($dc:os-type/@machine, 'pseries')">yes</xsl:when>
      <xsl:when test="$dc:os-type/@machine">no</xsl:when>
      <xsl:otherwise>unknown</xsl:otherwise>
    </xsl:choose>
  </xsl:variable><xsl:template name="dc:implied">
    <xsl:param name="kind"/>
    <xsl:value-of select="substring-before(substring-after(concat($assume, $dc:implied), concat('|', $kind, '=')), '|')"/>
  </xsl:template><xsl:template name="dc:pseries-kind">
    <xsl:param name="kind"/>
    <xsl:if test="contains($dc:implied-pseries, concat('|', $kind, '='))">yes</xsl:if>
  </xsl:template><xsl:template name="dc:refuse-unknown-pseries">
    <xsl:param name="rule"/>
    <xsl:param name="kind"/>
    <xsl:param name="implementation" select="''"/>
    <xsl:call-template name="dc:refuse">
      <xsl:with-param name="rule" select="$rule"/>
      <xsl:with-param name="kind" select="$kind"/>
      <xsl:with-param name="implementation" select="$implementation"/>
      <xsl:with-param name="reason" select="concat('a model-only ', $kind, ' is a spapr-pci-host-bridge in a pSeries guest and has no implementation otherwise, and this domain does not say which it is')"/>
      <xsl:with-param name="hint" select="'name the guest architecture and machine in &lt;os&gt;&lt;type arch=... machine=...&gt;, as libvirt writes them'"/>
    </xsl:call-template>
  </xsl:template><xsl:template name="dc:refuse">
    <xsl:param name="rule"/>
    <xsl:param name="kind"/>
    <xsl:param name="implementation" select="''"/>
    <xsl:param name="reason"/>
    <xsl:param name="hint" select="''"/>
    <dc:refused rule="{$rule}" kind="{$kind}" implementation="{$implementation}" reason="{$reason}" hint="{$hint}"/>
  </xsl:template>
  <xsl:template name="root-bus.upgrade">
    <dc:converted rule="root-bus">
      <xsl:copy>
        <xsl:copy-of select="@*[name() != 'model']"/>
        <xsl:attribute name="subType">
          <xsl:value-of select="@model"/>
        </xsl:attribute>
      </xsl:copy>
    </dc:converted>
  </xsl:template>
  <xsl:template name="pseries-phb.upgrade">
    <xsl:choose>
      <xsl:when test="$dc:guest-pseries = 'unknown'">
        <xsl:call-template name="dc:refuse-unknown-pseries">
          <xsl:with-param name="rule" select="'pseries-phb'"/>
          <xsl:with-param name="kind" select="@model"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <dc:converted rule="pseries-phb">
          <xsl:copy>
            <xsl:copy-of select="@*[name() != 'model']"/>
            <xsl:attribute name="subType">
              <xsl:value-of select="@model"/>
            </xsl:attribute>
            <xsl:attribute name="model">
              <xsl:value-of select="substring-before(substring-after($dc:implied-pseries, concat('|', @model, '=')), '|')"/>
            </xsl:attribute>
          </xsl:copy>
        </dc:converted>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template name="implied-implementation.upgrade">
    <xsl:param name="implied"/>
    <xsl:choose>
      <xsl:when test="$implied = ''">
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'implied-implementation'"/>
          <xsl:with-param name="kind" select="@model"/>
          <xsl:with-param name="reason" select="concat('the legacy form of ', @model, ' implies no particular implementation')"/>
          <xsl:with-param name="hint" select="concat('say which one the source host used with --assume ', @model, '=IMPLEMENTATION')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <dc:converted rule="implied-implementation">
          <xsl:copy>
            <xsl:copy-of select="@*[name() != 'model']"/>
            <xsl:attribute name="subType">
              <xsl:value-of select="@model"/>
            </xsl:attribute>
            <xsl:attribute name="model">
              <xsl:value-of select="$implied"/>
            </xsl:attribute>
          </xsl:copy>
        </dc:converted>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:output method="xml" encoding="UTF-8"/>

  <xsl:template match="/">
    <dc:conversion direction="upgrade">
      <xsl:for-each select="/domain/devices/controller[@type = 'pci']">
        <dc:controller position="{position()}">
          <xsl:apply-templates select="." mode="upgrade"/>
        </dc:controller>
      </xsl:for-each>
    </dc:conversion>
  </xsl:template>

  
  <xsl:template match="controller[@subType]" mode="upgrade"/>

  <xsl:template match="controller" mode="upgrade">
    <xsl:variable name="pseries-kind">
      <xsl:call-template name="dc:pseries-kind">
        <xsl:with-param name="kind" select="@model"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="$pseries-kind = 'yes' and $dc:guest-pseries != 'no'">
        <xsl:call-template name="pseries-phb.upgrade"/>
      </xsl:when>
      <xsl:when test="contains($dc:root-kinds, concat('|', @model, '|'))">
        <xsl:call-template name="root-bus.upgrade"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="implied-implementation.upgrade">
          <xsl:with-param name="implied">
            <xsl:call-template name="dc:implied">
              <xsl:with-param name="kind" select="@model"/>
            </xsl:call-template>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
